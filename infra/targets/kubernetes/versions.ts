/**
 * The oldest Kubernetes API server the target supports: its objects use
 * autoscaling/v2, policy/v1, StatefulSet claim retention (on by default since
 * 1.27) and Pod Security admission labels.
 */
export const MIN_KUBERNETES = { range: ">=1.27.0", display: "≥ 1.27" } as const;
