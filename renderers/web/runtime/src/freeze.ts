// Imported first by the page: time is frozen (and the network APIs that request interception
// cannot see are refused) before React's modules or the scene evaluate.
import { freezeTime } from "./clock";
import { lockNetwork } from "./lockdown";

freezeTime();
lockNetwork();
