function(cfg) {}
