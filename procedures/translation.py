from modeltranslation.translator import TranslationOptions, register

from . import models


@register(models.Field)
class FieldTranslation(TranslationOptions):
    fields = ("name",)


@register(models.Procedure)
class ProcedureTranslation(TranslationOptions):
    fields = ("name", "description", "processing_note", "eligibility", "requirements", "result")


@register(models.DocumentType)
class DocumentTypeTranslation(TranslationOptions):
    fields = ("name",)


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


# The history tables keep every language too: simple-history builds its historical models
# before modeltranslation adds the name_vi / name_en columns, so they are registered here
# with the same fields (each is saved with the same attributes as its model).
for _model, _options in (
    (models.Field, FieldTranslation),
    (models.Procedure, ProcedureTranslation),
    (models.ProcedureStep, StepTranslation),
    (models.ProcedureFee, FeeTranslation),
    (models.ProcedureDocument, DocumentTranslation),
    (models.LegalDocument, LegalDocumentTranslation),
    (models.UnitProcedure, UnitProcedureTranslation),
    (models.LocalForm, LocalFormTranslation),
):
    register(_model.history.model)(
        type(f"Historical{_options.__name__}", (TranslationOptions,), {"fields": _options.fields})
    )
