// What a Relay app writes against the ledger: a refetchable person (Relay refetches it with
// `node(id:)`, which is why node takes nothing but the id) whose events are a paginated
// connection, and the README's two-dates query spread over it. relay-compiler checks it.
import { graphql } from "relay-runtime";

export const personFragment = graphql`
  fragment PersonTimeline_person on Person
  @refetchable(queryName: "PersonTimelineRefetchQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 5 }, cursor: { type: "String" }) {
    id
    streamId
    name
    custodyStatus
    custodyTimeline {
      status
      from { text }
      to { text }
      openedBy { id type }
    }
    events(first: $count, after: $cursor) @connection(key: "PersonTimeline_events") {
      edges { node { id type occurredOn { text } } }
    }
  }
`;

export const twoDatesQuery = graphql`
  query PersonTimelineTwoDatesQuery($streamId: ID!) {
    before: person(id: $streamId, asOf: "2019-12-26") { ...PersonTimeline_person }
    after: person(id: $streamId, asOf: "2019-12-27") { ...PersonTimeline_person }
  }
`;

export const eventsAppended = graphql`
  subscription PersonTimelineEventsSubscription($streamId: String, $after: Int) {
    eventsAppended(streamId: $streamId, after: $after) { id position type streamId }
  }
`;
