"""The server side of offline sync: scope, serialisation, pull, bootstrap and push."""
