from odoo.tests import BaseCase, tagged

from ..tools.sms_segments import sms_size


@tagged("post_install", "-at_install")
class TestSmsSegments(BaseCase):

    def test_160_plain_characters_fit_one_gsm7_segment(self):
        self.assertEqual(sms_size("a" * 160), ("GSM-7", 160, 1))

    def test_161_plain_characters_take_two_segments_of_153(self):
        self.assertEqual(sms_size("a" * 161).segments, 2)
        self.assertEqual(sms_size("a" * 306).segments, 2)
        self.assertEqual(sms_size("a" * 307).segments, 3)

    def test_extension_characters_count_twice(self):
        self.assertEqual(sms_size("€" * 80), ("GSM-7", 160, 1))
        self.assertEqual(sms_size("{" * 81).segments, 2)

    def test_one_non_gsm_character_switches_the_text_to_ucs2(self):
        self.assertEqual(sms_size("a" * 69 + "ł"), ("UCS-2", 70, 1))
        self.assertEqual(sms_size("a" * 70 + "ł").segments, 2)
        self.assertEqual(sms_size("a" * 134 + "ł").segments, 3)

    def test_emoji_count_as_two_ucs2_units(self):
        self.assertEqual(sms_size("👍"), ("UCS-2", 2, 1))

    def test_curly_apostrophe_is_not_gsm7(self):
        self.assertEqual(sms_size("We’re").encoding, "UCS-2")
        self.assertEqual(sms_size("We're").encoding, "GSM-7")

    def test_empty_text_has_no_segment(self):
        self.assertEqual(sms_size(""), ("GSM-7", 0, 0))
