"""Tests of the channel connectors against local protocol-level fakes."""
