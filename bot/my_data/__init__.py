"""The right to know what we hold (Ley 1581 de 2012, art. 8): "¿Qué datos tienen míos?".

``content`` is the words (data/consent.yml, ``my_data``), ``listing`` turns what we hold into them
(pure), ``gather`` reads what we hold from the database and the Rasa answers of the person's
conversations.
"""
