"""Everything Twilio-specific lives here: the only package that imports ``twilio``.

- ``inbound``: parse webhook forms into typed records (messages and status callbacks);
- ``signature``: X-Twilio-Signature check and signing (fake API, simulator, tests);
- ``statuses``: status ordering and error-code meanings;
- ``sids``: the shapes of MessageSids and MediaSids (checked before a SID names anything);
- ``rest``: the REST client (send, reconcile, media download, delete messages and media) against
  TWILIO_API_BASE_URL.
"""
