"""The institution's own archive of its public records: export to a zipped BagIt bag, and verify one.

See `layout` for what the archive holds and how it is laid out.
"""

from smtool.services.records.archive.export import ExportReport, export_archive
from smtool.services.records.archive.verify import ArchiveCheck, ArchiveUnreadable, verify_archive

__all__ = ["ArchiveCheck", "ArchiveUnreadable", "ExportReport", "export_archive", "verify_archive"]
