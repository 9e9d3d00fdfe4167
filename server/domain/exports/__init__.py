"""Exports to Excel (XLSX) with Chinese headers, written streaming in constant memory."""
