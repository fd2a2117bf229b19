import "./batch-padding.suite.ts";
