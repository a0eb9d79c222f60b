use super::{DataType, Map, Value};

inputs! {
    /// `aws:changeInstanceState`: start, stop or terminate instances, or only wait for a state.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let a = ChangeInstanceState::new(vec!["i-0123456789abcdef0"], "stopped").check_state_only(true);
    /// assert_eq!(a.desired_state, "stopped");
    /// ```
    pub struct ChangeInstanceState {
        /// Instance ids (StringList).
        instance_ids: Value = "InstanceIds",
        /// `running`, `stopped` or `terminated`.
        desired_state: Value = "DesiredState",
        ; optional:
        /// Only wait for the state; change nothing.
        check_state_only: Value = "CheckStateOnly",
        /// Force the stop.
        force: Value = "Force",
        /// Reserved.
        additional_info: Value = "AdditionalInfo",
    }
    outputs: []
}

inputs! {
    /// `aws:copyImage`: copy an AMI into this Region.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let a = CopyImage::new("us-east-1", "ami-0123", "copy").encrypted(true);
    /// assert_eq!(a.encrypted, Some(json!(true)));
    /// ```
    pub struct CopyImage {
        /// Region of the source AMI.
        source_region: Value = "SourceRegion",
        /// Source AMI id (a String).
        source_image_id: Value = "SourceImageId",
        /// Name of the copy.
        image_name: Value = "ImageName",
        ; optional:
        /// Description of the copy.
        image_description: Value = "ImageDescription",
        /// Encrypt the copy.
        encrypted: Value = "Encrypted",
        /// KMS key ARN.
        kms_key_id: Value = "KmsKeyId",
        /// Idempotency token.
        client_token: Value = "ClientToken",
    }
    outputs: ["ImageId" => String, "ImageState" => String]
}

inputs! {
    /// `aws:createImage`: create an AMI from an instance.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let a = CreateImage::new("i-0123", "backup").no_reboot(true);
    /// assert_eq!(a.no_reboot, Some(json!(true)));
    /// ```
    pub struct CreateImage {
        /// The instance.
        instance_id: Value = "InstanceId",
        /// Name of the AMI.
        image_name: Value = "ImageName",
        ; optional:
        /// Description.
        image_description: Value = "ImageDescription",
        /// Do not shut the instance down first.
        no_reboot: Value = "NoReboot",
        /// Block device mappings.
        block_device_mappings: Value = "BlockDeviceMappings",
    }
    outputs: ["ImageId" => String, "ImageState" => String]
}

inputs! {
    /// `aws:createTags`: tag EC2 resources, managed instances, maintenance windows or parameters.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let a = CreateTags::new(vec!["i-0123"], json!([{"Key": "Owner", "Value": "sec"}]));
    /// assert_eq!(a.tags[0]["Key"], "Owner");
    /// ```
    pub struct CreateTags {
        /// Resource ids.
        resource_ids: Value = "ResourceIds",
        /// `[{Key, Value}]`.
        tags: Value = "Tags",
        ; optional:
        /// `EC2` (default), `ManagedInstance`, `MaintenanceWindow` or `Parameter`.
        resource_type: Value = "ResourceType",
    }
    outputs: []
}

inputs! {
    /// `aws:deleteImage`: deregister an AMI and delete its snapshots.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// assert_eq!(DeleteImage::new("ami-0123").image_id, "ami-0123");
    /// ```
    pub struct DeleteImage {
        /// The AMI.
        image_id: Value = "ImageId",
        ; optional:
    }
    outputs: []
}

inputs! {
    /// `aws:runInstances`: launch instances and wait until they are ready.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let a = RunInstances::new("ami-0123").instance_type("t3.micro").max_instance_count(1);
    /// assert_eq!(a.max_instance_count, Some(json!(1)));
    /// ```
    pub struct RunInstances {
        /// The AMI.
        image_id: Value = "ImageId",
        ; optional:
        /// Instance type.
        instance_type: Value = "InstanceType",
        /// Minimum count.
        min_instance_count: Value = "MinInstanceCount",
        /// Maximum count.
        max_instance_count: Value = "MaxInstanceCount",
        /// Reserved.
        additional_info: Value = "AdditionalInfo",
        /// Block device mappings.
        block_device_mappings: Value = "BlockDeviceMappings",
        /// Idempotency token.
        client_token: Value = "ClientToken",
        /// Termination protection.
        disable_api_termination: Value = "DisableApiTermination",
        /// EBS optimisation.
        ebs_optimized: Value = "EbsOptimized",
        /// Instance profile ARN.
        iam_instance_profile_arn: Value = "IamInstanceProfileArn",
        /// Instance profile name.
        iam_instance_profile_name: Value = "IamInstanceProfileName",
        /// `stop` or `terminate`.
        instance_initiated_shutdown_behavior: Value = "InstanceInitiatedShutdownBehavior",
        /// Kernel id.
        kernel_id: Value = "KernelId",
        /// Key pair name.
        key_name: Value = "KeyName",
        /// Metadata options.
        metadata_options: Value = "MetadataOptions",
        /// Detailed monitoring.
        monitoring: Value = "Monitoring",
        /// Network interfaces.
        network_interfaces: Value = "NetworkInterfaces",
        /// Placement.
        placement: Value = "Placement",
        /// Private IP address.
        private_ip_address: Value = "PrivateIpAddress",
        /// RAM disk id.
        ramdisk_id: Value = "RamdiskId",
        /// Security group ids.
        security_group_ids: Value = "SecurityGroupIds",
        /// Security group names.
        security_groups: Value = "SecurityGroups",
        /// Subnet id.
        subnet_id: Value = "SubnetId",
        /// Tags at launch.
        tag_specifications: Value = "TagSpecifications",
        /// Base64 user data.
        user_data: Value = "UserData",
    }
    outputs: ["InstanceIds" => StringList, "InstanceStates" => StringList]
}
