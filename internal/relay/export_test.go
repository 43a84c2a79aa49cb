package relay

// Helpers for the external tests (scale_test.go), which import loadtest,
// which imports this package.
var (
	Layout      = layout
	LoadConf    = loadConf
	StartServer = startServer
	ClientURL   = clientURL
	Ident       = ident
	WriteCreds  = writeCreds
)
