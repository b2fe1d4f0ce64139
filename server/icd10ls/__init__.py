"""icd10ls: ICD-10-CM code sets, encounter checking and a language server for coders."""

__version__ = "0.1.0"
