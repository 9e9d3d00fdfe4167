"""Photo pipeline: camera JPEG → oriented, resized, stamped, content-addressed evidence."""

from mobile.photos.pipeline import PhotoError, ProcessedPhoto, find_cjk_font, process_photo

__all__ = ["PhotoError", "ProcessedPhoto", "find_cjk_font", "process_photo"]
