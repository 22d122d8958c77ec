"""A model whose rows name files, for the bulk command benchmarks (:mod:`benchmarks.bulk`)."""
