"""People who sign in to the pages: local accounts, sessions and their administration."""
