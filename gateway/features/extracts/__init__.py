"""The platform's signed credit information extract (信用信息摘要), a PDF anyone can verify by its number."""
