"""Submission inputs that several test files send, as GraphQL input dicts (camelCase field names)."""

from __future__ import annotations

from typing import Any

from stdnum.cn import uscc

TAX_BUREAU_CODE = "11350100MB0301234" + uscc.calc_check_digit("11350100MB0301234")
VIOLATOR_CODE = "91310115MA1K3BTP2B"


def tax_violation(**overrides: Any) -> dict[str, Any]:
    """A valid ``MajorTaxViolationInput`` of ``VIOLATOR_CODE``, decided by the Fuzhou bureau;
    ``overrides`` replace or add fields by their GraphQL names (e.g. ``documentNumber=...``)."""
    return {
        "subjectCode": VIOLATOR_CODE,
        "subjectName": "上海浦东新区明珠文化传媒有限公司",
        "documentNumber": "榕税稽罚〔2025〕7号",
        "violationType": "TAX_EVASION",
        "facts": "2023年采取虚假申报手段少缴增值税",
        "amountInvolved": "2500000",
        "taxDue": "9000000",
        "legalBasis": "《中华人民共和国税收征收管理法》第六十三条",
        "penalty": "追缴税款并处少缴税款一倍罚款",
        "decisionDate": "2025-06-18",
        "decidingAuthority": "国家税务总局福州市税务局稽查局",
        "decidingAuthorityCode": TAX_BUREAU_CODE,
        "sourceUnit": "国家税务总局福州市税务局",
        "sourceUnitCode": TAX_BUREAU_CODE,
        **overrides,
    }
