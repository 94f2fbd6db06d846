"""Satisfaction surveys: versioned templates, where they are answered, responses and results."""
