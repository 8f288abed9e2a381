"""Developer commands that are Python programs (python -m scripts.NAME); the shell ones sit beside them."""
