"""The agent: model client, turn loop, tool dispatch and approvals."""
