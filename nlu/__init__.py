"""The Rasa NLU project (config, domain, data) and the bot's client for it (`nlu.client`)."""
