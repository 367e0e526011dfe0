"""Photo evidence: upload checks, EXIF facts and display/thumbnail derivatives."""
