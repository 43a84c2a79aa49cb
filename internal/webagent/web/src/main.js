import "./protocol.js";
