from modeltranslation.translator import TranslationOptions, register

from . import models


@register(models.Field)
class FieldTranslation(TranslationOptions):
    fields = ("name",)


@register(models.Procedure)
class ProcedureTranslation(TranslationOptions):
    fields = ("name", "description", "processing_note", "eligibility", "requirements", "result")


@register(models.ProcedureStep)
class StepTranslation(TranslationOptions):
    fields = ("text",)


@register(models.ProcedureFee)
class FeeTranslation(TranslationOptions):
    fields = ("name", "note")


@register(models.ProcedureDocument)
class DocumentTranslation(TranslationOptions):
    fields = ("name", "form")


@register(models.LegalDocument)
class LegalDocumentTranslation(TranslationOptions):
    fields = ("title", "issuer")


@register(models.UnitProcedure)
class UnitProcedureTranslation(TranslationOptions):
    fields = ("counter", "hours", "local_notes")


@register(models.LocalForm)
class LocalFormTranslation(TranslationOptions):
    fields = ("title",)
