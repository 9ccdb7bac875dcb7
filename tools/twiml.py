"""TwiML answers of the voice webhooks, built with the twilio library."""
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse


def dial(forward_to, timeout, action_url, screen_url=None):
    """Ring ``forward_to`` for ``timeout`` seconds; Twilio then posts the
    outcome of the dial to ``action_url``. With ``screen_url``, the answered
    phone first gets that URL's TwiML (call screening)."""
    response = VoiceResponse()
    dial = response.dial(timeout=timeout, action=action_url, method="POST")
    if screen_url:
        dial.number(forward_to, url=screen_url, method="POST")
    else:
        dial.number(forward_to)
    return str(response)


def screen(prompt, action_url, timeout=6):
    """Ask the answered phone to press 1; without a key press it hangs up."""
    response = VoiceResponse()
    gather = response.gather(num_digits=1, timeout=timeout, action=action_url, method="POST")
    gather.say(prompt)
    response.hangup()
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


def message(text=None):
    """Answer to an inbound text: ``text`` back to the sender, or nothing."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)


def call_back(announcement, caller_id, number, action_url, timeout):
    """The salesperson answered a call-back: tell them who is called, then dial the
    caller with the line's number as caller ID; Twilio posts the outcome to ``action_url``."""
    response = VoiceResponse()
    response.say(announcement)
    dial = response.dial(caller_id=caller_id, timeout=timeout, action=action_url, method="POST")
    dial.number(number)
    return str(response)


def voicemail(greeting, max_length, action_url, recording_status_url, transcribe_url):
    """The line's greeting, then a message of at most ``max_length`` seconds after the tone.
    Twilio posts the recording's status and, later, its transcription."""
    response = VoiceResponse()
    if greeting:
        response.say(greeting)
    response.record(
        max_length=max_length, play_beep=True, action=action_url, method="POST",
        recording_status_callback=recording_status_url, recording_status_callback_method="POST",
        recording_status_callback_event="completed", transcribe=True, transcribe_callback=transcribe_url)
    response.hangup()
    return str(response)
