"""The application's single write path: typed commands, one handler each (see ``handlers``).

Every entry point (GraphQL mutations, REST, the CLI, the data-set loader) builds a command from
its typed input and hands it to :class:`~ledger.service.handlers.LedgerService`; nothing else
writes events.
"""
