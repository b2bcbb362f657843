"""Issuing units (unit penerbit): their details, images, signatories and number sequences."""
