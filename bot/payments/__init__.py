"""The conversation about payments (issue 12): how much and where to pay, "ya pagué", "no puedo pagar".

content.py (data/payments.yml, data/payment_channels.yml), choice.py (which instalment), words.py (the
replies per channel), commands.py (the gateway commands), claims.py (a consultant resolves a claim).
"""
