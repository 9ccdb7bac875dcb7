"""How many SMS segments a text costs.

A text made only of GSM 03.38 characters is sent as GSM-7: 160 septets fit in
one segment, 153 in each segment of a concatenated message, and the characters
of the extension table take two septets each. Any other character switches the
whole text to UCS-2: 70 UTF-16 code units in one segment, 67 per segment after.
"""
import math
from collections import namedtuple

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SmsSize = namedtuple("SmsSize", ["encoding", "length", "segments"])


def is_gsm7(text):
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def sms_size(text):
    """Return the encoding ('GSM-7' or 'UCS-2'), the length in that encoding's
    units (septets or UTF-16 code units) and the number of segments of ``text``."""
    text = text or ""
    if is_gsm7(text):
        length = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if length == 0:
        segments = 0
    elif length <= single:
        segments = 1
    else:
        segments = math.ceil(length / multi)
    return SmsSize(encoding, length, segments)
