from modeltranslation.translator import TranslationOptions, register

from .models import CalendarDay


@register(CalendarDay)
class CalendarDayTranslation(TranslationOptions):
    fields = ("reason",)
    required_languages = ("vi",)
