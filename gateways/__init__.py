"""Adapters to the outside world that moves messages and money: SMS providers, payments."""
