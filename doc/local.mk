dist_doc_DATA += doc/protocol.md doc/performance.md doc/dependencies.md
