"""The README's report-summary and person-history queries, measured by more than one bench
(bench/hardening.py, bench/serve.py): one copy, so the benches time the same documents."""

REPORT_SUMMARY = """{
  implementationSummary(asOf: "2020-02-17", addressee: "Kazakhstan") { status count }
  custodySummary(asOf: "2020-02-17") { status count }
  recommendations(asOf: "2020-02-17", addressee: "Kazakhstan", status: [PARTIALLY_IMPLEMENTED]) {
    totalCount edges { node { code theme status statusWording } } } }"""

PERSON_HISTORY = """{
  person(id: "person-maks-bokayev", asOf: "2020-02-17") {
    id name aliases custodyStatus custodySince { text precision }
    sentences { kind termMonths articles imposedOn { text } }
    unDecisions { body reference adoptedOn { text } demands }
    recommendations { code status statusWording }
    events(first: 20) { totalCount
      edges { node { position type occurredOn { text } data sources { title url } } } } } }"""
