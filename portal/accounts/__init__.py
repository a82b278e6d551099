"""Accounts: users, roles scoped to units, server-side session login, guards for the back office."""
