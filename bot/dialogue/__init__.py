"""Pure dialogue helpers used by the rasa-sdk actions in ``actions/``.

Nothing here imports ``rasa``, ``rasa_sdk`` or ``actions``: these are plain functions with table tests.
"""
