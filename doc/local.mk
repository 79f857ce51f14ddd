dist_doc_DATA += doc/protocol.md doc/performance.md doc/dependencies.md
dist_man1_MANS = doc/man/tahoe.1 doc/man/tahoe-grid-manager.1 \
	doc/man/tahoe-admin.1 doc/man/tahoe-add-grid-manager.1 \
	doc/man/tahoe-remove-grid-manager.1 \
	doc/man/tahoe-debug.1 doc/man/tahoe-create-node.1 \
	doc/man/tahoe-run.1 doc/man/tahoe-status.1 \
	doc/man/tahoe-put.1 doc/man/tahoe-get.1 \
	doc/man/tahoe-create-account-manager.1 \
	doc/man/tahoe-create-account.1 doc/man/tahoe-admin-accounts.1
dist_doc_DATA += doc/managed-grid.md
dist_doc_DATA += doc/configuration.md doc/status.md
dist_doc_DATA += doc/chk.md
dist_doc_DATA += doc/accounts.md
