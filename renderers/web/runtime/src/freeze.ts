// Imported first by the page: time is frozen before React's modules evaluate.
import { freezeTime } from "./clock";

freezeTime();
