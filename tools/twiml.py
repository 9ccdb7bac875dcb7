"""TwiML answers of the voice webhooks, built with the twilio library."""
from twilio.twiml.voice_response import VoiceResponse


def dial(forward_to, timeout, action_url):
    """Ring ``forward_to`` for ``timeout`` seconds; Twilio then posts the
    outcome of the dial to ``action_url``."""
    response = VoiceResponse()
    response.dial(timeout=timeout, action=action_url, method="POST").number(forward_to)
    return str(response)


def reject():
    response = VoiceResponse()
    response.reject()
    return str(response)


def say_and_hang_up(message):
    response = VoiceResponse()
    if message:
        response.say(message)
    response.hangup()
    return str(response)


def empty():
    return str(VoiceResponse())
