"""Rendering: the disease-course chart, the clinician page and the reports (HTML, PDF)."""
