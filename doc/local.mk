dist_doc_DATA += doc/protocol.md doc/dependencies.md
