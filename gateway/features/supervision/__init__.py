"""Tiered supervision (信用分级分类监管): credit grades A–D and reproducible random-inspection draws."""
