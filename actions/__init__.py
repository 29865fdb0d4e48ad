"""Thin rasa-sdk actions: read slots, make one `NurtureService` call, return events and responses."""
