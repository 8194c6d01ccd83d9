from modeltranslation.translator import TranslationOptions, register

from .models import Unit


@register(Unit)
class UnitTranslation(TranslationOptions):
    fields = ("name", "address", "opening_hours")
