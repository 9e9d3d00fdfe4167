"""The supervisors' dashboard (督导看板): the overview's figures and the problem ledger's
queries, scoped to what the user may see. Read-only: changes go through the rectification
services."""
