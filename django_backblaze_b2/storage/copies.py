"""Server-side copies: ``copy()``, the metadata a copy carries (never less private than its source),
and giving an existing file its access mark.
"""

from __future__ import annotations

from typing import Any, Literal

from .. import access, upload_headers
from ..encryption import decryption_errors
from ..metadata import FileMetadata
from .links import StorageLinks

MarkOutcome = Literal["marked", "already marked", "kept a more privileged mark", "changed meanwhile", "missing"]


class StorageCopies(StorageLinks):
    """Copies and access marks of :class:`~.BackblazeB2Storage` files."""

    def copy(self, name: str, new_name: str) -> str:
        """Copy ``name`` to ``new_name`` inside B2 (no bytes pass through this process), with its
        content type, headers and file info; both are encrypted as this storage says. Returns ``new_name``.
        """
        source = self.get_file_metadata(name)  # fresh: a remembered file id may be an overwritten version
        self._copy_version(source, self.b2_file_name(new_name))
        return new_name

    def _copy_version(self, source: FileMetadata, target_file_name: str) -> FileMetadata:
        """Server-side copy of one file version to ``target_file_name``, encrypted as this storage says."""
        read = self.encryption_arguments("read").get("encryption")
        write = self.encryption_arguments("write").get("encryption")
        with decryption_errors(source.file_name, self.options.server_side_encryption):
            copied = self.bucket.copy(
                source.file_id,
                target_file_name,
                length=source.size,
                source_encryption=read,
                destination_encryption=write,
                **self.copy_metadata(source, target_file_name),
            )
        metadata = FileMetadata.from_version(copied)
        if self._memo is not None:
            self._memo.forget(self.options.bucket, target_file_name)
        return metadata

    def names_extending(self, file_name: str) -> bool:
        """Whether another file's B2 name starts with ``file_name`` (one class C listing)."""
        response = self.bucket.api.session.list_file_names(self.bucket.id_, file_name, 2, file_name)
        return any(found["fileName"] != file_name for found in response["files"])

    def mark_file(self, name: str, *, dry_run: bool = False) -> MarkOutcome:
        """Give ``name`` this proxied storage's access mark, server-side (a copy onto itself, then the
        unmarked version is deleted). A file already marked for this route or a more privileged one
        is left alone, so running it twice, or for two routes, ends with the most privileged mark.
        """
        if self.route is None:
            raise ValueError(f"{type(self).__name__} serves no proxy route: its files take no access mark.")
        try:
            source = self.get_file_metadata(name)
        except FileNotFoundError:
            return "missing"
        mark = access.marked_route(source.file_info)
        if mark == self.route:
            return "already marked"
        if access.stricter(mark, self.route) != self.route:
            return "kept a more privileged mark"
        if dry_run:
            return "marked"
        copied = self._copy_version(source, source.file_name)
        newest = [
            v
            for v in self.bucket.list_file_versions(source.file_name, fetch_count=10)
            if v.file_name == source.file_name
        ]
        uploads = [v for v in newest if v.action == "upload"]
        if len(uploads) >= 2 and (uploads[0].id_, uploads[1].id_) == (copied.file_id, source.file_id):
            # The copy is the newest version and the unmarked one right below it: that one would be
            # billed and could come back, so it goes.
            self.bucket.delete_file_version(source.file_id, source.file_name)
            return "marked"
        # Someone saved the name between the HEAD and the copy: theirs is what the name must show.
        self.bucket.delete_file_version(copied.file_id, source.file_name)
        return "changed meanwhile"

    def copy_metadata(
        self, source: FileMetadata, target_file_name: str, *, moved_by_operator: bool = False
    ) -> dict[str, Any]:
        """b2sdk ``copy()`` arguments for a server-side copy of ``source`` into this storage.

        Nothing when B2 may copy the source's metadata as it is (its mark is what the copy must carry);
        else the source's metadata made safe (``upload_headers.safe_arguments``) with the copy's mark:
        the stricter of the source's and this storage's, so a copy is never less private than its
        source; or, for a move an operator asked for (``b2_copy_media``, which warns when the access
        level changes), this storage's route, or for a plain storage the source's own mark.
        """
        mark = access.marked_route(source.file_info)
        # An operator's move into a plain storage keeps what the file had, even no mark.
        level = (self.route or mark) if moved_by_operator else access.stricter(mark, self.route or access.PRIVATE)
        if mark == level:
            return {}  # B2 copies the metadata as it is
        arguments = {
            "content_type": source.content_type,
            # b2-* names are the stored headers, given again below as what they are.
            "file_info": {
                **{key: value for key, value in source.file_info.items() if not key.startswith("b2-")},
                **access.mark_info(level or access.PRIVATE),
            },
            "cache_control": source.cache_control,
            "content_disposition": source.content_disposition,
            "content_encoding": source.content_encoding,
            "content_language": source.content_language,
            "expires": source.expires,
        }
        safe = upload_headers.safe_arguments(arguments, target_file_name, self.route)
        # B2 replaces metadata only when a content type is given; without one the mark would be lost.
        safe["content_type"] = safe["content_type"] or "application/octet-stream"
        return safe
