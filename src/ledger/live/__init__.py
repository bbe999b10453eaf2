"""Live updates: telling subscribers that the feed has grown, in every server process."""
