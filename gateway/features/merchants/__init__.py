"""Merchant credit pages (一店一码): a QR code per organisation that opens a public page about it."""
