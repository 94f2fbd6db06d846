"""Printed things for the sites: QR posters and activity sign-in sheets (签到表)."""
