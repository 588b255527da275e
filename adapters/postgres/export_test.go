package postgres

// StoreErr lets the external tests classify errors got from a real server.
var StoreErr = storeErr
