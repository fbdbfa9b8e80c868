"""The ``mhhs-bot`` subcommands, one module a feature; ``bot.cli`` adds them to the group."""
