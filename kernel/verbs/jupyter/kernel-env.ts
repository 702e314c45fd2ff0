/**
 * The environment contract between a launcher of our kernel (`neurostorm run`, kernel-launch.ts)
 * and the kernel process (kernel/notebook/kernel/parent-watchdog.ts): one name, one place.
 */

/** Environment variable holding the PID whose death ends the kernel. */
export const PARENT_PID_ENV = 'NEUROSTORM_KERNEL_PARENT_PID';
