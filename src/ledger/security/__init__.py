"""Who may write and who may see: roles, bearer tokens."""
