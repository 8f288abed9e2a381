"""Database: models, engine factory and repositories (one module per aggregate)."""
